package io.hatchway.mqtt;

import io.netty.buffer.ByteBufUtil;

/** Checks a topic name or filter against {@code mqtt.maxTopicLength} and {@code mqtt.maxTopicLevels}. */
final class TopicLimits {

    private TopicLimits() {
    }

    /** Why {@code topic} is beyond the limits, or null if it is within them. */
    static String violation(String topic, MqttLimits limits) {
        int chars = topic.length();
        // A char is 1 to 3 UTF-8 bytes: count the bytes only when the char count cannot decide.
        if (chars > limits.maxTopicLength()
                || (long) chars * 3 > limits.maxTopicLength() && ByteBufUtil.utf8Bytes(topic) > limits.maxTopicLength()) {
            return "topic longer than " + limits.maxTopicLength() + " bytes (mqtt.maxTopicLength)";
        }
        if (chars >= limits.maxTopicLevels()) {
            int levels = 1;
            for (int i = 0; i < chars; i++) {
                if (topic.charAt(i) == '/') {
                    levels++;
                }
            }
            if (levels > limits.maxTopicLevels()) {
                return "topic of " + levels + " levels, more than " + limits.maxTopicLevels() + " (mqtt.maxTopicLevels)";
            }
        }
        return null;
    }
}
