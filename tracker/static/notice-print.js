// The 打印 button of a printable document (no inline script: the app's CSP forbids it).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
