#pragma once

#include <QString>

namespace tiersync::ui {

[[nodiscard]] QString consoleTitle();

}  // namespace tiersync::ui
