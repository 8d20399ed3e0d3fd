#include "common/confirmer.h"

#include <QMessageBox>
#include <QPushButton>

namespace tiersync::ui {

void MessageBoxConfirmer::ask(QWidget *parent, const QString &title, const QString &text,
                              const QString &actionLabel, Answer answer)
{
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::NoButton, parent);
    box->setObjectName(QStringLiteral("confirmationDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *action = box->addButton(actionLabel, QMessageBox::DestructiveRole);
    action->setObjectName(QStringLiteral("confirmButton"));
    QPushButton *cancel = box->addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));
    box->setDefaultButton(cancel);
    QObject::connect(box, &QMessageBox::finished, box,
                     [box, action, answer = std::move(answer)](int) { answer(box->clickedButton() == action); });
    box->open();
}

}  // namespace tiersync::ui
