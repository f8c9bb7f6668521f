package io.hatchway.dialect;

import io.hatchway.registry.Dialect;

import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A fleet's own topic layout: the first publish pattern that matches names the device ({@code {device}}, a name or
 * an alias) and the channel ({@code {channel}}, or the pattern's fixed channel).
 */
final class TemplateDialect implements TopicDialect {

    private final Dialect.Template template;
    private final String expected;

    TemplateDialect(Dialect.Template template) {
        this.template = template;
        this.expected = "topic must match one of " + template.publish().stream()
                .map(p -> p.topic().text()).collect(Collectors.joining(", "));
    }

    @Override
    public Optional<PublishTarget> parse(String topic) {
        return template.matchPublish(topic).map(match -> new PublishTarget(match.channel(), match.device()));
    }

    @Override
    public String expected() {
        return expected;
    }

    @Override
    public Optional<Dialect.Template> commandTemplate() {
        return Optional.of(template);
    }
}
