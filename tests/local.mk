# Shared test infrastructure; each module's tests are declared in its own
# fragment (lib/local.mk, tui/*.mk, demo/local.mk).
