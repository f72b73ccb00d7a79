"""Partner simulators for the demo and the end-to-end tests.

They play the banks' and the uniform maker's half of the interface (bank-interface.md):
read what the card service put in ``to_partner/``, open it with the partner's key, decide,
and write sealed RESULT / EVENT / POLICY / STATUS files to ``from_partner/``. They never
touch the database; everything they know comes from the files, and their own state is a
JSON file per partner. Not for production use.

- :mod:`.partner_side` — the envelope, the folders (SFTP or local) and the file names;
- :mod:`.bank` — ``BankSimulator`` (BOC, ICBC, CEB);
- :mod:`.uniform` — ``UniformSimulator`` (UNF);
- :mod:`.sftp_server` — a small paramiko SFTP server, for machines without OpenSSH;
- :mod:`.demo` — the demo's folders, keys, ``partners.toml`` and servers;
- :mod:`.run` — the loop that ``manage.py demo_partners`` runs.
"""
