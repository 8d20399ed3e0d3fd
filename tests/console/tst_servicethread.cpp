// ServiceThread and ServiceLane: the console's one loading thread, shared by services.
// No servers; jobs block on semaphores the test releases, so nothing depends on timing.
#include "console/servicethread.h"

#include <QSemaphore>
#include <QStringList>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace tiersync;

class TestServiceThread final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void jobsRunInOrderOnTheThread()
    {
        auto thread = std::make_shared<ServiceThread>(QStringLiteral("loads"));
        ServiceLane first(thread);
        ServiceLane second(thread);
        QStringList order;  // written by the loading thread only, read after a join
        QList<QThread *> ranOn;
        for (int i = 0; i < 3; ++i) {
            first.post([&order, &ranOn, i] {
                order << QStringLiteral("a%1").arg(i);
                ranOn << QThread::currentThread();
            });
            second.post([&order, &ranOn, i] {
                order << QStringLiteral("b%1").arg(i);
                ranOn << QThread::currentThread();
            });
        }
        QSemaphore done;
        first.post([&done] { done.release(); });
        done.acquire();
        thread->stop();
        QCOMPARE(order, (QStringList{"a0", "b0", "a1", "b1", "a2", "b2"}));
        for (QThread *t : std::as_const(ranOn))
            QCOMPARE(t, thread->thread());
        QVERIFY(thread->thread() != QThread::currentThread());
    }

    void closeWaitsForTheRunningJobAndDropsTheRest()
    {
        auto thread = std::make_shared<ServiceThread>(QStringLiteral("loads"));
        ServiceLane lane(thread);
        ServiceLane other(thread);
        QSemaphore started;
        QSemaphore release;
        std::atomic<bool> finished{false};
        std::atomic<int> dropped{0};
        std::atomic<int> othersRan{0};
        lane.post([&] {
            started.release();
            release.acquire();
            finished = true;
        });
        lane.post([&dropped] { ++dropped; });
        other.post([&othersRan] { ++othersRan; });
        started.acquire();  // the first job is running; the rest are queued
        // The running job ends when another thread lets it, while close() is called: a
        // close() that returned without waiting would leave `finished` false most times.
        std::atomic<bool> closing{false};
        std::unique_ptr<QThread> releaser(QThread::create([&] {
            while (!closing)
                QThread::yieldCurrentThread();
            QThread::msleep(20);
            release.release();
        }));
        releaser->start();
        closing = true;
        lane.close();
        releaser->wait();
        QVERIFY(finished);  // close() returned only after the running job ended
        QSemaphore done;
        other.post([&done] { done.release(); });
        done.acquire();
        QCOMPARE(dropped.load(), 0);    // the lane's queued job never ran
        QCOMPARE(othersRan.load(), 1);  // another lane's job still did
        lane.post([&dropped] { ++dropped; });  // after close: nothing
        other.post([&done] { done.release(); });
        done.acquire();
        QCOMPARE(dropped.load(), 0);
    }

    void aLaneOutlivingItsThreadPostsNothing()
    {
        auto thread = std::make_shared<ServiceThread>(QStringLiteral("loads"));
        ServiceLane lane(thread);
        std::atomic<int> ran{0};
        thread->stop();
        QVERIFY(!thread->isRunning());
        lane.post([&ran] { ++ran; });
        lane.close();  // no wait on a stopped thread
        QCOMPARE(ran.load(), 0);
    }

    void theLastLaneEndsAThreadItOwnsAlone()
    {
        std::weak_ptr<ServiceThread> weak;
        {
            auto thread = std::make_shared<ServiceThread>(QStringLiteral("own"));
            weak = thread;
            ServiceLane lane(std::move(thread));
            QSemaphore done;
            lane.post([&done] { done.release(); });
            done.acquire();
        }
        QVERIFY(weak.expired());  // stopped and joined by its destructor
    }
};

QTEST_GUILESS_MAIN(TestServiceThread)
#include "tst_servicethread.moc"
