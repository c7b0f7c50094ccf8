from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Common"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .pgtimestamps import use_compiled_loader

        connection_created.connect(use_compiled_loader, dispatch_uid="compiled_timestamps")
