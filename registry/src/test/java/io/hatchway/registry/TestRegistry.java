package io.hatchway.registry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An in-memory {@link Registry} whose snapshot tests replace, with or without telling the listeners. */
final class TestRegistry implements Registry {

    private final List<Consumer<RegistrySnapshot>> listeners = new CopyOnWriteArrayList<>();
    private volatile RegistrySnapshot snapshot;
    private volatile RuntimeException failure;

    TestRegistry(String yaml) {
        this.snapshot = parse(yaml, 1);
    }

    static RegistrySnapshot parse(String yaml, long generation) {
        try {
            return RegistryLoader.parse(Path.of("test.yaml"), yaml.getBytes(StandardCharsets.UTF_8))
                    .withGeneration(generation);
        } catch (RegistryException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Swaps in new content and calls the listeners, as {@link FileRegistry} does. */
    void update(String yaml) {
        updateSilently(yaml);
        listeners.forEach(listener -> listener.accept(snapshot));
    }

    /** Swaps in new content without calling the listeners. */
    void updateSilently(String yaml) {
        snapshot = parse(yaml, snapshot.generation() + 1);
    }

    /** Makes {@link #current()} throw {@code e}. */
    void failWith(RuntimeException e) {
        failure = e;
    }

    @Override
    public RegistrySnapshot current() {
        RuntimeException e = failure;
        if (e != null) {
            throw e;
        }
        return snapshot;
    }

    @Override
    public void onChange(Consumer<RegistrySnapshot> listener) {
        listeners.add(listener);
    }
}
