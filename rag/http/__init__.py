"""The HTTP shell: the Litestar app over `QAService`, its input rules, security, problems, logs,
metrics and the web page."""

from rag.http.app import create_app

__all__ = ["create_app"]
