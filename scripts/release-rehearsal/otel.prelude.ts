// The README's quick start takes nothing from the reader's app (it runs after their SDK has started).
