"""The practice room in the browser: a Starlette app on the practice and history layers."""
