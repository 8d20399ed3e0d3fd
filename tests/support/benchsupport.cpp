#include "benchsupport.h"

#include <QFile>

namespace tiersync::test {

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return "?";
    return file.readAll().split(' ').value(0);
}

QCommandLineOption studentsOption()
{
    return {QStringLiteral("students"), QStringLiteral("Students in the sim's data set (5000)."), QStringLiteral("n"),
            QStringLiteral("5000")};
}

ZohoLimits generousZohoLimits(int concurrency)
{
    FamilyLimits generous;
    generous.perWindow = 10000000;
    generous.perDay = 0;
    generous.concurrency = concurrency;
    return ZohoLimits::uniform(generous);
}

}  // namespace tiersync::test
