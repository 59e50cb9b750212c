package clock

import (
	"bytes"
	"testing"
	"time"
)

func TestNTPTime(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		secs uint64
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), secondsTo1970},
		{time.Date(2026, 11, 27, 8, 0, 0, 500_000_000, time.UTC), 4004755200},
		{time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), 0},         // era 1 begins
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), 438_629_504}, // era 1
	} {
		n := toNTP(tt.t)
		if uint64(n>>32) != tt.secs {
			t.Errorf("toNTP(%s) seconds = %d, want %d", tt.t, n>>32, tt.secs)
		}
		if got := n.Time(); got.Sub(tt.t).Abs() > time.Microsecond {
			t.Errorf("round trip of %s gave %s", tt.t, got)
		}
	}
}

// TestOffsetDelay checks RFC 4330's formulas on crafted timestamps.
func TestOffsetDelay(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	for _, tt := range []struct {
		name           string
		t1, t2, t3, t4 time.Time
		offset, delay  time.Duration
	}{
		{"in sync, 20ms each way", at(0), at(20), at(21), at(41), 0, 40 * time.Millisecond},
		{"server 1s ahead", at(0), at(1010), at(1011), at(21), time.Second, 20 * time.Millisecond},
		{"server 5s behind", at(5000), at(10), at(12), at(5022), -5 * time.Second, 20 * time.Millisecond},
		{"asymmetric path", at(0), at(30), at(30), at(40), 10 * time.Millisecond, 40 * time.Millisecond},
	} {
		off, del := offsetDelay(tt.t1, tt.t2, tt.t3, tt.t4)
		if off != tt.offset || del != tt.delay {
			t.Errorf("%s: offset %s delay %s, want %s %s", tt.name, off, del, tt.offset, tt.delay)
		}
	}
	// From 1970 (no battery-backed clock) to now: the offset spans decades.
	boot := time.Unix(5, 0)
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	off, _ := offsetDelay(boot, now, now, boot)
	if !boot.Add(off).Equal(now) {
		t.Errorf("offset from 1970 = %s, lands on %s", off, boot.Add(off))
	}
}

func TestParsePacketShort(t *testing.T) {
	if _, err := parsePacket(make([]byte, 47)); err == nil {
		t.Error("47-byte packet accepted")
	}
}

// FuzzParsePacket: any bytes from the network parse without panic, and
// whatever parses encodes back to the same header.
func FuzzParsePacket(f *testing.F) {
	now := time.Now()
	f.Add(packet{version: 4, mode: modeServer, stratum: 1, refID: [4]byte{'G', 'P', 'S', 0}, origin: 7, receive: toNTP(now), transmit: toNTP(now)}.marshal())
	f.Add(packet{version: 4, mode: modeServer, stratum: 0, refID: [4]byte{'R', 'A', 'T', 'E'}}.marshal())
	f.Add(append(packet{version: 3, mode: modeServer, leap: 3}.marshal(), 0, 0, 0, 1, 1, 2, 3, 4))
	f.Add([]byte{0x24})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePacket(b)
		if err != nil {
			return
		}
		if !bytes.Equal(p.marshal(), b[:packetSize]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", p.marshal(), b[:packetSize])
		}
		if checkReply(p, p.origin) == nil {
			off, _ := offsetDelay(now, p.receive.Time(), p.transmit.Time(), now)
			_ = kissCode(p.refID)
			if now.Add(off).Year() < 1900 || now.Add(off).Year() > 2200 {
				t.Fatalf("offset %s out of the NTP range", off)
			}
		}
	})
}
