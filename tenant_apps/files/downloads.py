"""How the bytes of an already authorized download reach the browser (FILES_DOWNLOAD):

* "stream": the app reads the storage and streams it (any storage; the default).
* "accel": the app answers with X-Accel-Redirect and nginx sends the file from an
  `internal` location (local storage; see docs/files.md for the nginx block).
* "presigned": a redirect to a presigned URL that expires after FILES_PRESIGNED_SECONDS
  (S3 storage).
"""

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from shared_apps.tenants.runtime.storage import tenant_relative_path
from tenant_apps.files.models import StoredFile

MODES = ("stream", "accel", "presigned")


def download_response(stored_file: StoredFile) -> HttpResponse:
    mode = settings.FILES_DOWNLOAD
    if mode == "stream":
        response: HttpResponse = FileResponse(
            stored_file.file.open("rb"),
            as_attachment=True,
            filename=stored_file.name,
            content_type=stored_file.content_type,
        )
    elif mode == "accel":
        response = HttpResponse(content_type=stored_file.content_type)
        path = tenant_relative_path(stored_file.file.name)
        response["X-Accel-Redirect"] = settings.FILES_ACCEL_REDIRECT_PREFIX + quote(path)
        response["Content-Disposition"] = content_disposition_header(True, stored_file.name)
    elif mode == "presigned":
        url = stored_file.file.storage.url(
            stored_file.file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, stored_file.name),
                "ResponseContentType": stored_file.content_type,
            },
            expire=settings.FILES_PRESIGNED_SECONDS,
        )
        response = HttpResponseRedirect(url)
    else:
        raise ImproperlyConfigured(f"FILES_DOWNLOAD must be one of {MODES}, not {mode!r}.")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
