#include "common/pageheading.h"

#include <QLabel>

namespace tiersync::ui {

QLabel *pageHeading(const QString &text, const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setObjectName(objectName);
    // Relative to the platform font, so it scales with the desktop's font settings.
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.4);
    font.setBold(true);
    label->setFont(font);
    return label;
}

}  // namespace tiersync::ui
