from django.apps import AppConfig


class BankAdaptersConfig(AppConfig):
    name = "bank_adapters"
    verbose_name = "银行文件交换"
