#pragma once

#include <QDateTime>
#include <QString>
#include <QtGlobal>

namespace tiersync::ui {

// A span in the largest unit that reads well: "45 s", "12 min", "3 h", "2 d".
[[nodiscard]] QString spanText(qint64 seconds);
// "2026-12-07 14:05 (in 3 min)" / "(12 min ago)", local time, relative to now; "—" when invalid.
[[nodiscard]] QString timeAndSpanText(const QDateTime &at, const QDateTime &now);

}  // namespace tiersync::ui
