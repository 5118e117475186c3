// The print view's button: only with script (window.print), so without script the page shows none.
const button = document.getElementById("print-button");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
