"""API tokens stored hashed, with an expiry. DRF's authtoken tokens (clear keys) are moved
over: each key's SHA-256 becomes an ApiToken, so holders keep using the same key until it
expires (API_TOKEN_TTL_DAYS from this migration), and DRF's table with the clear keys is
dropped."""

import datetime as dt
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

DRF_TABLE = "authtoken_token"


def move_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("volunteers", "ApiToken")
    now = timezone.now()
    expires = now + dt.timedelta(days=getattr(settings, "API_TOKEN_TTL_DAYS", 30))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {DRF_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    tokens = []
    for key, user_id, created in rows:
        if isinstance(created, dt.datetime) and timezone.is_naive(created):
            created = timezone.make_aware(created, dt.timezone.utc)
        tokens.append(
            ApiToken(
                user_id=user_id,
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                created=created if isinstance(created, dt.datetime) else now,
                expires_at=expires,
            )
        )
    ApiToken.objects.bulk_create(tokens, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {DRF_TABLE}")
        # rest_framework.authtoken is no longer installed; were it added back, it would
        # create its table again.
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ('volunteers', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_hash', models.CharField(max_length=64, unique=True, verbose_name='令牌摘要 (SHA-256)')),
                ('created', models.DateTimeField(default=django.utils.timezone.now, verbose_name='签发时间')),
                ('expires_at', models.DateTimeField(db_index=True, verbose_name='过期时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API 令牌',
                'verbose_name_plural': 'API 令牌',
                'ordering': ['-created', '-id'],
            },
        ),
        migrations.RunPython(move_drf_tokens, migrations.RunPython.noop),
    ]
