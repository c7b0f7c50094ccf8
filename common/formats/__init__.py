"""The portal's date and time formats per language (settings.FORMAT_MODULE_PATH), one style
per language and 24-hour clocks in both: Norwegian as Django has it ("06.12.2026 14:05"),
English as day, month and year ("6 Dec 2026, 14:05") instead of Django's US default
("12/06/2026 2:05 p.m."), which sat beside 24-hour times in the same cell. Only the display
formats are set; input formats (the forms use ISO date and datetime-local inputs) are
Django's."""
