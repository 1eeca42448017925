// Pieces of the dashboard's HTML that more than one view's markup uses.

/** A table's header row and its empty body (the scripts fill the body). */
export const th = (names: readonly string[]): string => `<thead><tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr></thead><tbody></tbody>`;
