"""gunicorn's access and error logs with identity numbers masked (common.logmask):
the access log writes the request line, query string and Referer of every request, so a
FHIR search by GET would put the patient's number there. Used by gunicorn.conf.py."""

from gunicorn.glogging import Logger

from common.logmask import MaskIdentityNumbers

_MASK = MaskIdentityNumbers()


class MaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(_MASK)
