#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace tiersync {

// Reads a whole file (a path or a :/resource). NotFound names the file and the reason.
[[nodiscard]] Result<QByteArray> readWholeFile(const QString &path);

// Parses a JSON document whose top level must be an object. InvalidArgument says where
// the text broke ("not valid JSON at offset 12: …") or that it is not an object.
[[nodiscard]] Result<QJsonObject> parseJsonObject(const QByteArray &json);

}  // namespace tiersync
