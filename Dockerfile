# One image for every process: web (gunicorn), worker, beat and smtp differ only by command.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && python -c "import django" \
 && useradd --system --home /app sendcloud && mkdir -p /app/var && chown sendcloud /app/var
USER sendcloud
EXPOSE 8000 25 465 587 2525
CMD ["gunicorn", "sendcloud.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
