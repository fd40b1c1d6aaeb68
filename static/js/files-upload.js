// Upload progress for the files page: htmx reports the request body's progress.
document.addEventListener("htmx:xhr:progress", (event) => {
  const progress = document.getElementById("upload-progress");
  if (progress && event.detail.lengthComputable) {
    progress.hidden = false;
    progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});
