"""gunicorn settings for the web container (Dockerfile, docker-compose.yml): gunicorn reads
./gunicorn.conf.py from the working directory (/app) by itself; the command line adds the
bind address, workers and timeout."""

# The access log goes to stdout, with national identity numbers masked (a FHIR search by GET
# carries one in its query string): see common/logmask.py.
accesslog = "-"
logger_class = "rehab_portal.gunicorn_logging.MaskingLogger"
