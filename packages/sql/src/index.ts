/** Placeholder: filled by its issue. */
export {}
