// After a booking: what booking.js kept of the form in this tab is no longer needed.
try {
  sessionStorage.removeItem("bb-booking-draft");
} catch {
  // Storage switched off: there is nothing to clear.
}
