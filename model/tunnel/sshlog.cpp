#include "tunnel/sshlog.h"

Q_LOGGING_CATEGORY(lcSsh, "tiersync.ssh")
