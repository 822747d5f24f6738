// Behaviour every page shares, in a file so the Content-Security-Policy needs no inline script.
// A button or link with data-confirm="…" asks before it acts (e.g. finalising a report).
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
    event.stopPropagation();
  }
}, true);
