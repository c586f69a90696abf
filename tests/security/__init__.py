"""Security: webhooks, secrets in logs and state, injection, who may see the dashboard and
metrics."""
