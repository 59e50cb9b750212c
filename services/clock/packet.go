package clock

import (
	"encoding/binary"
	"fmt"
	"time"
)

// packetSize is the size of an NTP header without extension fields.
const packetSize = 48

// NTP modes and the leap indicator of an unsynchronized server.
const (
	modeClient    = 3
	modeServer    = 4
	leapAlarm     = 3
	ntpVersion    = 4
	maxStratum    = 15
	secondsTo1970 = 2208988800 // from 1900-01-01, the NTP epoch
)

// packet is an NTP header (RFC 4330 section 4).
type packet struct {
	leap, version, mode uint8
	stratum             uint8
	poll, precision     int8
	rootDelay           uint32
	rootDispersion      uint32
	refID               [4]byte
	ref, origin         ntpTime
	receive, transmit   ntpTime
}

// ntpTime is an NTP timestamp: seconds since 1900 in the high 32 bits,
// the fraction in the low 32.
type ntpTime uint64

// parsePacket reads an NTP header; extension fields and a MAC after it
// are ignored.
func parsePacket(b []byte) (packet, error) {
	if len(b) < packetSize {
		return packet{}, fmt.Errorf("NTP packet of %d bytes, want at least %d", len(b), packetSize)
	}
	p := packet{
		leap:           b[0] >> 6,
		version:        b[0] >> 3 & 7,
		mode:           b[0] & 7,
		stratum:        b[1],
		poll:           int8(b[2]),
		precision:      int8(b[3]),
		rootDelay:      binary.BigEndian.Uint32(b[4:]),
		rootDispersion: binary.BigEndian.Uint32(b[8:]),
		ref:            ntpTime(binary.BigEndian.Uint64(b[16:])),
		origin:         ntpTime(binary.BigEndian.Uint64(b[24:])),
		receive:        ntpTime(binary.BigEndian.Uint64(b[32:])),
		transmit:       ntpTime(binary.BigEndian.Uint64(b[40:])),
	}
	copy(p.refID[:], b[12:16])
	return p, nil
}

// marshal encodes the header.
func (p packet) marshal() []byte {
	b := make([]byte, packetSize)
	b[0] = p.leap<<6 | (p.version&7)<<3 | p.mode&7
	b[1] = p.stratum
	b[2] = byte(p.poll)
	b[3] = byte(p.precision)
	binary.BigEndian.PutUint32(b[4:], p.rootDelay)
	binary.BigEndian.PutUint32(b[8:], p.rootDispersion)
	copy(b[12:16], p.refID[:])
	binary.BigEndian.PutUint64(b[16:], uint64(p.ref))
	binary.BigEndian.PutUint64(b[24:], uint64(p.origin))
	binary.BigEndian.PutUint64(b[32:], uint64(p.receive))
	binary.BigEndian.PutUint64(b[40:], uint64(p.transmit))
	return b
}

// toNTP converts t, which must lie between 1968 and 2104.
func toNTP(t time.Time) ntpTime {
	secs := uint64(t.Unix()+secondsTo1970) & 0xffffffff
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return ntpTime(secs<<32 | frac)
}

// Time converts an NTP timestamp. Seconds with the high bit clear are
// taken to be in era 1 (from 2036-02-07), as RFC 4330 section 3 says, so
// timestamps cover 1968 to 2104.
func (n ntpTime) Time() time.Time {
	secs := int64(n >> 32)
	if secs&0x80000000 == 0 {
		secs += 1 << 32
	}
	nanos := int64((uint64(n&0xffffffff)*1e9 + 1<<31) >> 32)
	return time.Unix(secs-secondsTo1970, nanos)
}

// checkReply accepts a server's reply to the request whose transmit
// timestamp was sent (RFC 4330 section 5).
func checkReply(p packet, sent ntpTime) error {
	switch {
	case p.mode != modeServer:
		return fmt.Errorf("mode %d in the reply, want %d (server)", p.mode, modeServer)
	case p.version < 1 || p.version > ntpVersion:
		return fmt.Errorf("NTP version %d in the reply", p.version)
	case p.origin != sent:
		return fmt.Errorf("reply does not echo our request (origin timestamp mismatch): stale or spoofed")
	case p.stratum == 0:
		return fmt.Errorf("kiss-o'-death %q from the server: it refuses to serve now", kissCode(p.refID))
	case p.leap == leapAlarm:
		return fmt.Errorf("server clock is not synchronized (leap indicator 3)")
	case p.stratum > maxStratum:
		return fmt.Errorf("server stratum %d means it is not synchronized", p.stratum)
	case p.transmit == 0:
		return fmt.Errorf("reply has no transmit timestamp")
	}
	return nil
}

// kissCode renders the reference ID of a kiss-o'-death packet, which
// holds four ASCII letters such as RATE or DENY.
func kissCode(id [4]byte) string {
	out := make([]byte, 0, 4)
	for _, c := range id {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out = append(out, c)
	}
	return string(out)
}

// offsetDelay computes the clock offset and round-trip delay from the
// client's send (t1) and receive (t4) times and the server's receive (t2)
// and transmit (t3) times.
func offsetDelay(t1, t2, t3, t4 time.Time) (offset, delay time.Duration) {
	offset = (t2.Sub(t1) + t3.Sub(t4)) / 2
	delay = t4.Sub(t1) - t3.Sub(t2)
	return offset, delay
}
