#include "common/placeholderpage.h"

#include <QLabel>
#include <QVBoxLayout>

namespace tiersync::ui {

PlaceholderPage::PlaceholderPage(const QString &title, const QString &description, QWidget *parent)
    : QWidget(parent)
{
    auto *heading = new QLabel(title, this);
    heading->setObjectName(QStringLiteral("placeholderTitle"));
    QFont font = heading->font();
    font.setPointSizeF(font.pointSizeF() * 1.4);
    font.setBold(true);
    heading->setFont(font);
    auto *text = new QLabel(description + QStringLiteral("\n\nComing soon: this page is not built yet."), this);
    text->setObjectName(QStringLiteral("placeholderText"));
    text->setWordWrap(true);
    text->setEnabled(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->addWidget(heading);
    layout->addWidget(text);
    layout->addStretch();
}

}  // namespace tiersync::ui
