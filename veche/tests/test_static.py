"""Static files as `make run` serves them: collected with a gzip copy each, served compressed to who takes it."""

from django.core.management import call_command
from whitenoise import WhiteNoise


def test_collected_static_files_are_served_compressed(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--no-input", verbosity=0)
    bundle = tmp_path / "ninja" / "swagger-ui-bundle.js"
    packed = bundle.with_name(bundle.name + ".gz")
    assert packed.exists() and packed.stat().st_size < bundle.stat().st_size / 2
    app = WhiteNoise(lambda environ, start: [], root=tmp_path, prefix="static/")
    for accept, encoding in (("gzip, deflate, br", "gzip"), ("", None)):
        seen = {}

        def start(status, headers, seen=seen):
            seen.update(status=status, headers=dict(headers))

        body = app(
            {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/static/ninja/swagger-ui-bundle.js",
                "HTTP_ACCEPT_ENCODING": accept,
                "wsgi.url_scheme": "http",
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
            },
            start,
        )
        getattr(body, "close", lambda: None)()
        assert seen["status"].startswith("200") and seen["headers"].get("Content-Encoding") == encoding
        size = int(seen["headers"]["Content-Length"])
        assert size == (packed if encoding else bundle).stat().st_size
