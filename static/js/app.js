// Small glue: show a toast when the server sends an HX-Trigger "toast" event.
document.addEventListener("toast", function (evt) {
  const detail = evt.detail || {};
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = "toast align-items-center text-bg-" + (detail.level || "success") + " border-0 show";
  el.setAttribute("role", "status");
  el.innerHTML = '<div class="d-flex"><div class="toast-body"></div>' +
    '<button type="button" class="btn-close btn-close-white me-2 m-auto" aria-label="Close"></button></div>';
  el.querySelector(".toast-body").textContent = detail.message || "Saved";
  el.querySelector("button").addEventListener("click", function () { el.remove(); });
  box.appendChild(el);
  setTimeout(function () { el.remove(); }, 4000);
});
