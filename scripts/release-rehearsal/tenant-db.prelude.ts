// The README's quick start needs nothing from the reader's app but environment variables.
export {}
