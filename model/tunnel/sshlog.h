#pragma once

#include <QLoggingCategory>

// tiersync.ssh: tunnels opening, dropping and coming back. Never a passphrase.
Q_DECLARE_LOGGING_CATEGORY(lcSsh)
