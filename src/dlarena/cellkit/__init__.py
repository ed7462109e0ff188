"""What criteria build their cells from, below every criterion: mode names with a precision
(``common``), the worker-side set-up of a framework for a cell, and one cell per framework
(``framework_cells``)."""
