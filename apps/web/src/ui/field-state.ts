// A form field's invalid state, shown three ways: the control's custom validity (so `:invalid`
// styles it), `aria-invalid="true"` for assistive technology, and a short message right after the
// control, linked to it by `aria-describedby`. Clearing the problem removes all three.

/** Marks `control` invalid with `problem`, or valid when `problem` is null. */
export function markField(control: HTMLInputElement | HTMLSelectElement, problem: string | null): void {
  control.setCustomValidity(problem ?? '');
  const id = `${control.id}-problem`;
  let note = document.getElementById(id);
  if (problem == null) {
    control.removeAttribute('aria-invalid');
    if (control.getAttribute('aria-describedby') === id) control.removeAttribute('aria-describedby');
    note?.remove();
    return;
  }
  control.setAttribute('aria-invalid', 'true');
  if (note == null) {
    note = document.createElement('small');
    note.id = id;
    note.className = 'field-problem';
    control.after(note);
    control.setAttribute('aria-describedby', id);
  }
  if (note.textContent !== problem) note.textContent = problem;
}
