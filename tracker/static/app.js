// Small progressive enhancements; pages work without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  var quiet = event.submitter && event.submitter.hasAttribute("data-no-confirm");
  if (question && !quiet && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-autosubmit]")) {
    target.form.submit();
  }
});
