// After a sign-up is taken, the form is emptied (it cannot be sent twice by a second tap) and the answer is
// brought into view; after a refusal the typed values stay, to be put right.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "answer") return;
  const answer = event.detail.target;
  const form = document.querySelector("form.pledge");
  if (answer.querySelector("[role=status]") && form) form.reset();
  const shown = answer.firstElementChild;
  if (shown) {
    shown.setAttribute("tabindex", "-1");
    shown.focus({ preventScroll: true });
    shown.scrollIntoView({ block: "nearest" });
  }
});
