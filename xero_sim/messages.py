"""Response value passed from handlers back to the HTTP layer."""
from .util import dumps


class Response:
    __slots__ = ('status', 'body', 'headers')

    def __init__(self, status=200, body=b'', headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode('utf-8')
        self.headers = dict(headers or {})


def json_response(status, obj, headers=None):
    hdrs = {'Content-Type': 'application/json; charset=utf-8'}
    hdrs.update(headers or {})
    return Response(status, dumps(obj), hdrs)


def html_response(status, html, headers=None):
    hdrs = {'Content-Type': 'text/html; charset=utf-8'}
    hdrs.update(headers or {})
    return Response(status, html, hdrs)


def redirect(location):
    return Response(302, b'', {'Location': location})
