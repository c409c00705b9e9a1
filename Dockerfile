# akson-intake image: the worker by default, the web UI with `akson-intake web`.
# Build: docker build -t akson-intake .
# Run:   docker run -v /srv/akson/config.toml:/config/config.toml -v /srv/akson/data:/data akson-intake
# With PostgreSQL and several workers: compose.yaml (see the README, "Deployment").
FROM python:3.11-slim

# Tesseract with Norwegian data reads scanned declarations (OSD data turns sideways
# pages upright); fonts let the demo draw forms.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-nor tesseract-ocr-osd fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY intake ./intake
COPY parsers ./parsers
COPY storage ./storage
COPY templates ./templates
RUN pip install --no-cache-dir . && rm -rf /src

# Never run as root: the service reads hostile attachments.
RUN useradd --create-home --uid 10001 akson && mkdir -p /data /config && chown akson /data
USER akson
WORKDIR /data
ENV AKSON_INTAKE_CONFIG=/config/config.toml \
    PYTHONUNBUFFERED=1

# The worker finishes the message in hand on SIGTERM, then exits 0.
STOPSIGNAL SIGTERM
# The staff web UI runs from the same image as a second container:
#   docker run -p 8080:8080 ... akson-intake akson-intake web --host 0.0.0.0
EXPOSE 8080
CMD ["akson-intake", "run"]
