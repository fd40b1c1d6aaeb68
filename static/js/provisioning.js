// The console's provisioning box: live steps over a WebSocket, polling if that fails.
(function () {
  const box = document.getElementById("provisioning");
  if (!box) return;
  const show = (data) => {
    document.getElementById("provisioning-step").textContent = data.step;
    document.getElementById("provisioning-error").textContent = data.error || "";
    document.getElementById("provisioning-retry").hidden = data.status !== "failed";
    if (data.status === "active") window.location.reload();
  };
  const poll = () => fetch(box.dataset.statusUrl).then((r) => r.json()).then((data) => {
    show({step: data.error ? "Failed" : "Working…", status: data.error ? "failed" : data.status, error: data.error});
    if (data.status === "provisioning" && !data.error) setTimeout(poll, 2000);
  });
  const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + window.location.host + box.dataset.socket);
  socket.onmessage = (event) => show(JSON.parse(event.data));
  socket.onerror = () => poll();
})();
