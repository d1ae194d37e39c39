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

// Validation errors come back as 400 partials with the messages next to the fields: swap them in
// like any other response. Other failures get a visible message instead of silence.
document.addEventListener("htmx:beforeSwap", function (evt) {
  const status = evt.detail.xhr.status;
  if (status === 400 || status === 422) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  } else if (status >= 400) {
    const messages = {
      403: "You are not allowed to do that.",
      404: "That no longer exists. Reload the page.",
    };
    document.dispatchEvent(new CustomEvent("toast", {
      detail: {level: "danger", message: messages[status] || "Something went wrong. Please try again."},
    }));
  }
});
