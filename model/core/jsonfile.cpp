#include "core/jsonfile.h"

#include <QFile>
#include <QJsonDocument>

namespace tiersync {

Result<QByteArray> readWholeFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::NotFound, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    return file.readAll();
}

Result<QJsonObject> parseJsonObject(const QByteArray &json)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("not valid JSON at offset %1: %2")
                                                         .arg(parseError.offset)
                                                         .arg(parseError.errorString()));
    if (!document.isObject())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("the top level must be an object"));
    return document.object();
}

}  // namespace tiersync
