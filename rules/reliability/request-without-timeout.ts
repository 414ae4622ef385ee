import { Injectable } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';

axios.defaults.timeout = 8000;

interface Rate {
  currency: string;
  value: number;
}

@Injectable()
export class RatesClient {
  private readonly http: AxiosInstance = axios.create({ baseURL: 'https://rates.internal', timeout: 4000 });

  async latest(): Promise<Rate[]> {
    // ok: BL502
    const { data } = await axios.get<Rate[]>('https://api.exchangerate.host/latest');
    return data;
  }

  async history(day: string): Promise<Rate[]> {
    // ok: BL502
    return (await this.http.get<Rate[]>(`/history/${day}`)).data;
  }
}

@Injectable()
export class ShippingClient {
  async quote(weight: number): Promise<number> {
    // ruleid: BL502
    const res = await fetch('https://shipping.example.net/quote', { method: 'POST', body: JSON.stringify({ weight }) });
    const body = (await res.json()) as { price: number };
    return body.price;
  }

  async track(id: string): Promise<unknown> {
    // ok: BL502
    const res = await fetch(`https://shipping.example.net/track/${id}`, { signal: AbortSignal.timeout(5000) });
    return res.json();
  }

  async self(): Promise<unknown> {
    // a relative URL is not an outbound call from a server
    // ok: BL502
    return (await fetch('/api/me')).json();
  }
}
