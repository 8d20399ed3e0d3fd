#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace tiersync::test {

// zoho-sim's /_sim/ controls, for tests that inject faults, mutate records or read
// request counters. apiBase is the sim's base URL (profile.zoho.apiBase).
[[nodiscard]] Result<QJsonObject> simGet(const QString &apiBase, const QString &path);
[[nodiscard]] Result<QJsonObject> simPost(const QString &apiBase, const QString &path, const QJsonObject &body = {});

// Faults all zero (the sim's default); tests that set faults restore this after.
[[nodiscard]] QJsonObject noSimFaults();

}  // namespace tiersync::test
