#include "students/studentendpointdelegate.h"

#include "cache/endpointresponse.h"
#include "itemmodels/studentendpointmodel.h"

#include <QColor>

namespace tiersync::ui {

namespace {

QColor sourceColor(ReadSource source)
{
    switch (source) {
    case ReadSource::Redis:
        return QColor(0x2e, 0x7d, 0x32);
    case ReadSource::Postgres:
        return QColor(0x15, 0x65, 0xc0);
    case ReadSource::Zoho:
        return QColor(0xef, 0x6c, 0x00);
    case ReadSource::Stale:
        return QColor(0xc6, 0x28, 0x28);
    }
    return {};
}

}  // namespace

StudentEndpointDelegate::StudentEndpointDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

StudentEndpointDelegate::~StudentEndpointDelegate() = default;

void StudentEndpointDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    switch (index.column()) {
    case StudentEndpointModel::NameColumn:
        option->font.setBold(true);
        break;
    case StudentEndpointModel::SourceColumn:
        if (const QVariant source = index.data(StudentEndpointModel::SourceRole); source.isValid()) {
            option->font.setBold(true);
            option->palette.setColor(QPalette::Text, sourceColor(ReadSource(source.toInt())));
        }
        break;
    case StudentEndpointModel::ResultColumn:
        if (const QVariant answered = index.data(StudentEndpointModel::AnsweredRole);
            answered.isValid() && !answered.toBool())
            option->palette.setColor(QPalette::Text, sourceColor(ReadSource::Stale));
        break;
    default:
        break;
    }
}

}  // namespace tiersync::ui
