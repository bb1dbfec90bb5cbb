# The stockade image: the CLI and the admission webhook, running as a non-root user.
# Build: docker build -t stockade:0.1.0 .
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/stockade \
 && /opt/stockade/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/stockade/bin/pip install --no-cache-dir .

FROM python:3.12-slim
# Runtime only: no compiler, no pip cache, no source tree.
COPY --from=build /opt/stockade /opt/stockade
RUN groupadd --system --gid 10001 stockade \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin stockade
ENV PATH=/opt/stockade/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
EXPOSE 8443
ENTRYPOINT ["stockade"]
CMD ["webhook", "serve", "--config", "/etc/stockade/config/stockade.yaml", "--tls-cert", "/etc/stockade/tls/tls.crt", "--tls-key", "/etc/stockade/tls/tls.key"]
