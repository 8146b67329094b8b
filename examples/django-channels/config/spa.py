"""
Serves a built Angular app (WS_SPA_DIR: the demo or the lab) on the API's origin, so the
interceptor sends the JWT to /ws_ticket without CORS. For the demo and the tests only: in
production a web server or CDN serves the files.
"""
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.views.static import serve


def spa_file(request, path):
    root = Path(settings.WS_SPA_DIR)
    if path and (root / path).is_file():
        return serve(request, path, document_root=root)
    # API-looking paths stay 404; every other path is a route of the app.
    if path.startswith(("api/", "__")) or "." in path.rsplit("/", 1)[-1]:
        raise Http404()
    return serve(request, "index.html", document_root=root)
