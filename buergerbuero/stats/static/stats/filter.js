// The dashboard's filter form: typing a day into "from" or "to" means a custom period, so the period
// list follows (without script the server treats dates sent without a period the same way).
const form = document.getElementById("stats-filter");
const period = document.getElementById("id_period");
if (form && period) {
  for (const id of ["id_from", "id_to"]) {
    const input = document.getElementById(id);
    input?.addEventListener("change", () => {
      if (input.value) period.value = "custom";
    });
  }
}
// After an error the summary takes the focus, so a screen reader reads it and Tab leads to its links.
document.getElementById("error-summary")?.focus();
