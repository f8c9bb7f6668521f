package io.hatchway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thousands of client TCP connections driven by one selector thread: storms that a thread, or a full MQTT client,
 * per connection cannot produce on a small machine. A storm is either silent (each connection sends nothing and
 * waits until the server closes it) or a CONNECT wave (each connection sends one MQTT 3.1.1 CONNECT, reads the
 * 4-byte CONNACK, then stays open, unread, until {@link #close}). Times are {@link System#nanoTime()}.
 *
 * <p>Not thread-safe, except {@link #connected()}, which another thread may poll while {@link #run} runs.
 */
public final class SocketStorm implements AutoCloseable {

    /** Outcome of a connection that got no CONNACK: the TCP connect failed. */
    public static final int CONNECT_FAILED = -1;
    /** Outcome of a connection that got no CONNACK: the server closed it first (as it should, if silent). */
    public static final int CLOSED_WITHOUT_CONNACK = -2;
    /** Outcome of a connection whose first bytes were not a 3.1.1 CONNACK. */
    public static final int NOT_A_CONNACK = -3;
    /** Outcome of a connection still waiting when {@link #run} gave up. */
    public static final int NO_ANSWER = -4;

    private static final int CONNACK_LENGTH = 4;
    /**
     * Connections opened between two looks at the selector: few enough that a connect or close is seen (and timed)
     * within milliseconds of happening, even while thousands are still to be opened.
     */
    private static final int OPEN_BATCH = 32;

    private final InetSocketAddress server;
    /** The CONNECT each connection sends; null for a silent storm. */
    private final List<byte[]> connects;
    private final int count;
    private final SocketChannel[] channels;
    private final long[] openedAt;
    private final long[] connectedAt;
    /** Silent: when the server closed it. CONNECT wave: when the CONNACK (or the close instead) arrived. */
    private final long[] closedAt;
    private final int[] outcomes;
    private final ByteBuffer[] answers;
    private final AtomicInteger connected = new AtomicInteger();
    private String unexpected;

    private SocketStorm(int port, int count, List<byte[]> connects) {
        this.server = new InetSocketAddress("127.0.0.1", port);
        this.count = count;
        this.connects = connects;
        this.channels = new SocketChannel[count];
        this.openedAt = new long[count];
        this.connectedAt = new long[count];
        this.closedAt = new long[count];
        this.outcomes = new int[count];
        this.answers = new ByteBuffer[count];
        Arrays.fill(connectedAt, -1);
        Arrays.fill(closedAt, -1);
        Arrays.fill(outcomes, NO_ANSWER);
    }

    /** {@code count} connections that send nothing; {@link #run} ends when the server has closed them all. */
    public static SocketStorm silent(int port, int count) {
        return new SocketStorm(port, count, null);
    }

    /** One connection per packet, each sending its CONNECT; {@link #run} ends when each has its CONNACK. */
    public static SocketStorm connecting(int port, List<byte[]> connects) {
        return new SocketStorm(port, connects.size(), List.copyOf(connects));
    }

    /**
     * Opens the connections and drives them until each is finished (silent: closed by the server; CONNECT wave:
     * answered) or {@code timeout} has passed.
     *
     * @param maxPending at most this many connections are opened and not yet connected (silent) or not yet
     *                   answered (CONNECT wave); {@code count} opens them all at once
     * @return whether every connection finished in time
     */
    public boolean run(int maxPending, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int opened = 0;
        int pending = 0;
        int finished = 0;
        try (Selector selector = Selector.open()) {
            while (finished < count && System.nanoTime() < deadline) {
                int batch = 0;
                while (opened < count && pending < maxPending && batch++ < OPEN_BATCH) {
                    pending++;
                    int step = open(opened++, selector);
                    pending -= step & 1;
                    finished += step >> 1;
                }
                if (opened < count && pending < maxPending) {
                    selector.selectNow();
                } else {
                    selector.select(50);
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    int step = key.isValid() ? handle(key, (Integer) key.attachment()) : 0;
                    pending -= step & 1;
                    finished += step >> 1;
                }
                selector.selectedKeys().clear();
            }
        }
        return finished == count;
    }

    // The steps below return bit 0 set when a pending connection stopped pending, bit 1 when one finished.

    private int open(int i, Selector selector) throws IOException {
        openedAt[i] = System.nanoTime();
        SocketChannel channel = SocketChannel.open();
        channels[i] = channel;
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        try {
            if (channel.connect(server)) {
                return connected(i, channel.register(selector, 0, i));
            }
        } catch (IOException e) {
            return failed(i);
        }
        channel.register(selector, SelectionKey.OP_CONNECT, i);
        return 0;
    }

    private int handle(SelectionKey key, int i) throws IOException {
        SocketChannel channel = channels[i];
        if (key.isConnectable()) {
            try {
                channel.finishConnect();
            } catch (IOException e) {
                key.cancel();
                return failed(i);
            }
            return connected(i, key);
        }
        if (!key.isReadable()) {
            return 0;
        }
        if (connects == null) {
            ByteBuffer buffer = ByteBuffer.allocate(1);
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException e) {
                n = -1; // reset: closed all the same
            }
            if (n > 0 && unexpected == null) {
                unexpected = "connection " + i + " received data instead of a close";
            }
            if (n == 0) {
                return 0;
            }
            outcomes[i] = CLOSED_WITHOUT_CONNACK;
            return closed(i, key);
        }
        ByteBuffer answer = answers[i];
        int n;
        try {
            n = channel.read(answer);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            outcomes[i] = CLOSED_WITHOUT_CONNACK;
            return 1 | closed(i, key);
        }
        if (answer.hasRemaining()) {
            return 0;
        }
        byte[] a = answer.array();
        closedAt[i] = System.nanoTime(); // here: answered
        outcomes[i] = a[0] == 0x20 && a[1] == 0x02 ? a[3] & 0xFF : NOT_A_CONNACK;
        key.interestOps(0); // connected: stays open, unread
        return 1 | 2;
    }

    private int connected(int i, SelectionKey key) throws IOException {
        connectedAt[i] = System.nanoTime();
        connected.incrementAndGet();
        key.interestOps(SelectionKey.OP_READ);
        if (connects == null) {
            return 1;
        }
        ByteBuffer connect = ByteBuffer.wrap(connects.get(i));
        channels[i].write(connect);
        if (connect.hasRemaining()) {
            throw new IOException("a " + connect.capacity() + "-byte CONNECT did not fit the socket buffer");
        }
        answers[i] = ByteBuffer.allocate(CONNACK_LENGTH);
        return 0;
    }

    private int failed(int i) throws IOException {
        outcomes[i] = CONNECT_FAILED;
        closedAt[i] = System.nanoTime();
        channels[i].close();
        return 1 | 2;
    }

    private int closed(int i, SelectionKey key) throws IOException {
        closedAt[i] = System.nanoTime();
        key.cancel();
        channels[i].close();
        return 2;
    }

    /** Connections whose TCP connect completed so far; may be read from any thread. */
    public int connected() {
        return connected.get();
    }

    /** The first silent connection that received data, or null. */
    public String unexpected() {
        return unexpected;
    }

    /**
     * Per connection of a silent storm: from its TCP connect completing to its close by the server, in nanoseconds;
     * -1 if either did not happen. The server accepted it at the earliest when the connect completed, so this is at
     * least as long as the server kept it, give or take the time the selector thread took to notice the connect.
     */
    public long[] lifetimes() {
        return since(connectedAt);
    }

    /**
     * Per connection of a silent storm: from opening its socket, before its SYN was sent, to its close by the
     * server, in nanoseconds; -1 if it was not closed. Never shorter than the time the server kept it open.
     */
    public long[] lifetimesSinceOpened() {
        return since(openedAt);
    }

    private long[] since(long[] start) {
        long[] lifetimes = new long[count];
        for (int i = 0; i < count; i++) {
            boolean both = connectedAt[i] >= 0 && closedAt[i] >= 0 && outcomes[i] != CONNECT_FAILED;
            lifetimes[i] = both ? closedAt[i] - start[i] : -1;
        }
        return lifetimes;
    }

    /**
     * Per connection of a CONNECT wave: from opening the socket to its CONNACK, in nanoseconds, TCP handshake
     * included; -1 if unanswered.
     */
    public long[] answerTimes() {
        long[] times = new long[count];
        for (int i = 0; i < count; i++) {
            times[i] = outcomes[i] >= 0 ? closedAt[i] - openedAt[i] : -1;
        }
        return times;
    }

    /** How many connections ended with each outcome: a CONNACK return code (0 accepted) or a negative constant. */
    public Map<Integer, Integer> outcomes() {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int outcome : outcomes) {
            counts.merge(outcome, 1, Integer::sum);
        }
        return counts;
    }

    /** Closes every connection still open, all at once. */
    @Override
    public void close() throws IOException {
        for (SocketChannel channel : channels) {
            if (channel != null) {
                channel.close();
            }
        }
    }
}
