// Staff office forms: the error summary takes the focus after a refused submit (WCAG 3.3.1).
const summary = document.getElementById("error-summary");
if (summary) summary.focus();
